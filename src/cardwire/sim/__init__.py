"""The simulated card: a strict, standard card OS with applets, in-process or behind vpcd."""
