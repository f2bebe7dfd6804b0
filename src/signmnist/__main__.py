from signmnist.console import main

main()
