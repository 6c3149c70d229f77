# attack: interference - close the streams the grader reads, then keep writing
import os
os.close(1)
os.close(2)
for _ in range(1000):
    try:
        print("still here")
    except OSError:
        pass
