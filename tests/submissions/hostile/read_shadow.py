# attack: escape - read a root-only system file
print(open("/etc/shadow").read())
