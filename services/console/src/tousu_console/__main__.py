from tousu_console.app import main

main()
