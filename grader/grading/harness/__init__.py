"""Code that runs inside the child process, beside the student's code: never trusted for grades."""
