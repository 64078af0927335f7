from tousu_dispatch.app import main

main()
