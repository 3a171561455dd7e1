"""`python -m drift fit ...`, which is also how `accelerate launch -m drift fit ...` starts one process per GPU."""

from cli.drift_app import main

if __name__ == "__main__":
    main()
