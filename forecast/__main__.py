from forecast.cli.main import app

app()
