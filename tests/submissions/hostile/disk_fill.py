# attack: resource exhaustion - fill the disk with a 3 GiB file
chunk = b"x" * (64 * 1024**2)
with open("fill.bin", "wb") as handle:
    for _ in range(48):
        handle.write(chunk)
