# attack: interference - kill the grader
import os
import signal
os.kill(os.getppid(), signal.SIGKILL)
