from signmnist.commands import main

main()
