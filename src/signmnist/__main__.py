from signmnist.cli import main

main()
