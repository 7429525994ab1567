import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print("\n".join("|".join("" if v is None else str(v) for v in r) for r in c.execute(sys.argv[2])))
