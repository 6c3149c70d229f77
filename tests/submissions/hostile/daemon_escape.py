# attack: resource exhaustion - a detached daemon in a new session, outliving the grading run
import subprocess
subprocess.Popen(["sleep", "4242"], start_new_session=True)
print("daemon started")
