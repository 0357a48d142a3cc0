import OutpostCLI
