# broken: an odd file name with spaces and non-ASCII, and code that never trains
print("héllo wörld")
