from tousu_callback.app import main

main()
