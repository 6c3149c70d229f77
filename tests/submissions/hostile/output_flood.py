# attack: resource exhaustion - flood stdout with 200 MB
import sys
line = "flood " * 1000 + "\n"
for _ in range(35000):
    sys.stdout.write(line)
