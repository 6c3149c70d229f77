# attack: resource exhaustion - flood stderr with 200 MB
import sys
line = "flood " * 1000 + "\n"
for _ in range(35000):
    sys.stderr.write(line)
