"""The grader inside other tools: GitHub Actions (workflow and annotations), Gradescope, pytest."""
