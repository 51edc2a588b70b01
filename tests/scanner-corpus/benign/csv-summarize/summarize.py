import sys
import pandas as pd

df = pd.read_csv(sys.argv[1])
print(len(df), "rows")
print(df.describe(include="all").to_markdown())
