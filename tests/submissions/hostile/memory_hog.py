# attack: resource exhaustion - ask for 64 GiB of memory
blocks = []
for _ in range(64):
    blocks.append(bytearray(1024**3))
