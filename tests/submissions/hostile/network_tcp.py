# attack: escape - reach a service on the host's loopback
import socket
with socket.create_connection(("127.0.0.1", 47391), timeout=5) as conn:
    conn.sendall(b"exfiltrated")
    print("connected:", conn.recv(100))
