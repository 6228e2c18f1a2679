"""The argument parser of every `onenetlog` command: a usage error is one line on stderr,
`<prog>: error: <what> (see <prog> --help)`, and exit status 2."""

import argparse


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")
