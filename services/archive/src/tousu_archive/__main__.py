from tousu_archive.app import main

main()
