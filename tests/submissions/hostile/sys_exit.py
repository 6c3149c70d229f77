# attack: interference - exit before anything can be checked
import sys
sys.exit(3)
