# attack: escape - look for other students' submissions and the grader's files
import os
for folder in ("/tmp", "/tmp/grader-hostile-test", "..", "/root", "/work"):
    try:
        print(folder, os.listdir(folder))
    except OSError as exc:
        print(folder, exc)
