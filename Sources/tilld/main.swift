print("tilld")
