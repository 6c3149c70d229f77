# attack: interference - vanish with a success code, skipping the harness's finish
import os
os._exit(0)
