from zeroscam.cli.main import run

run()
