from harvest_desktop.server.cli import main

raise SystemExit(main())
