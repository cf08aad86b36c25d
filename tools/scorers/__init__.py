"""Collaborative-filtering scorers for a session user not in the training data, one algorithm a file
(item KNN, SVD fold-in, popularity); "cannot score" is a typed exception handled in the base class."""
