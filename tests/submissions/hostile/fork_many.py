# attack: resource exhaustion - leave 50 sleeping children behind in the process group
import os
import time
for _ in range(50):
    if os.fork() == 0:
        time.sleep(10**6)
        os._exit(0)
time.sleep(10**6)
