# attack: escape - overwrite a file outside the work dir
with open("/tmp/grader-hostile-test/sentinel.txt", "w") as handle:
    handle.write("pwned")
