from signmnist.commands.console import main

main()
