# attack: escape - read an instructor's file outside the work dir
print(open("/tmp/grader-hostile-test/instructor/secret.txt").read())
