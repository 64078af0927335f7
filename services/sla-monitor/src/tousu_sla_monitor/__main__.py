from tousu_sla_monitor.app import main

main()
