"""An aiosmtpd handler for the notifier tests: keeps each message exactly as
it arrived, in FOLDER/N.eml (N = 1, 2, ...), with its envelope in
FOLDER/N.json ({"mail_from", "rcpt_tos", "tls"}), and appends every EHLO's
name to FOLDER/ehlo. Recipients at refused.example get 550.

    PYTHONPATH=tests/server python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Sink FOLDER
"""
import json
import os


class Sink:
    def __init__(self, folder):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self.count = 0

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("smtp_sink.Sink takes one FOLDER")
        return cls(args[0])

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with open(os.path.join(self.folder, "ehlo"), "a") as f:
            f.write(hostname + "\n")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.folder, str(self.count))
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "tls": session.ssl is not None}, f)
        # The message last, whole: a test that sees N.eml sees all of it.
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 OK"
