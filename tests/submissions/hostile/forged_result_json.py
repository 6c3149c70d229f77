# attack: interference - print a result the grader might mistake for its own
import json
print(json.dumps({"exercise": "mnist_callback", "submissions": [{"id": "me", "passed": True,
      "score": 10, "max_score": 10, "status": "graded", "checks": []}]}))
