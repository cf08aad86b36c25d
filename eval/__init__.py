"""The evaluation harness: scripted dialogues, simulated users, corpus replay (ReDial, INSPIRED),
weight tuning and fusion training, with their metrics and reports. It drives ``bot`` only."""
