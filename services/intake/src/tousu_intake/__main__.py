from tousu_intake.app import main

main()
