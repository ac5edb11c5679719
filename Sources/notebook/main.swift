import NotebookCore

print("notebook \(NotebookCore.version)")
