from cfngen.cli import main

main()
