from tousu_triage.app import main

main()
