"""ISO 20022 pacs.008 (FI to FI customer credit transfer, .001.08 and neighbours) → AXF transactions.

Each `CdtTrfTxInf` becomes one AXF transaction:

| AXF | pacs.008 |
|---|---|
| txn_id | PmtId/TxId, else PmtId/EndToEndId, else PmtId/UETR |
| ts | AccptncDtTm, else GrpHdr/CreDtTm, else IntrBkSttlmDt (midnight) |
| amount | IntrBkSttlmAmt (Ccy must be THB) |
| src_bank / dst_bank | DbtrAgt / CdtrAgt: FinInstnId/ClrSysMmbId/MmbId (a 3-digit code), else BICFI of a Thai bank |
| src_account / dst_account | DbtrAcct / CdtrAcct: Id/Othr/Id, else Id/IBAN |
| channel | `promptpay` when PmtTpInf names PromptPay (LclInstrm or SvcLvl), else `transfer` |

XML is parsed with expat directly and no document type declaration is accepted,
so no entity (external or recursive) is ever expanded: the defusedxml rules
without the dependency. Errors name the file and the line of the element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from zeroscam.identifiers import bank_account, banks
from zeroscam.exchange.writer import COLUMNS, CsvTableWriter
from zeroscam.kit.errors import DataError, IdentifierError
from zeroscam.kit.timeutil import parse_ts


@dataclass
class Node:
    tag: str  # local name, namespace stripped
    attrs: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)
    text: str = ""

    def find(self, path: str) -> Node | None:
        """First descendant along `A/B/C` (local names)."""
        node = self
        for part in path.split("/"):
            node = next((c for c in node.children if c.tag == part), None)
            if node is None:
                return None
        return node

    def findtext(self, path: str) -> str | None:
        node = self.find(path)
        if node is None:
            return None
        return node.text.strip() or None

    def iter(self, tag: str):
        if self.tag == tag:
            yield self
        for child in self.children:
            yield from child.iter(tag)


class _Forbidden(Exception):
    pass


def parse_xml(path: Path) -> Node:
    """Parse `path` into a Node tree with line numbers; DTDs and entities are refused."""
    parser = expat.ParserCreate(namespace_separator="}")
    root: list[Node] = []
    stack: list[Node] = []

    def start(name, attrs):
        node = Node(name.rsplit("}", 1)[-1], {k.rsplit("}", 1)[-1]: v for k, v in attrs.items()},
                    parser.CurrentLineNumber)
        (stack[-1].children if stack else root).append(node)
        stack.append(node)

    def end(name):
        stack.pop()

    def chars(data):
        if stack:
            stack[-1].text += data

    def forbid(*args):
        raise _Forbidden("document type declarations and entities are not accepted")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = forbid
    parser.EntityDeclHandler = forbid
    parser.ExternalEntityRefHandler = forbid
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        with open(path, "rb") as f:
            parser.ParseFile(f)
    except _Forbidden as exc:
        raise DataError(str(exc), file=str(path), line=parser.CurrentLineNumber) from None
    except expat.ExpatError as exc:
        raise DataError(f"not well-formed XML: {expat.ErrorString(exc.code)}", file=str(path),
                        line=exc.lineno) from None
    if not root:
        raise DataError("empty XML document", file=str(path))
    return root[0]


_PROMPTPAY_RE = re.compile(r"prompt\s*pay|PPAY|ITMX", re.IGNORECASE)


def _bank(tx: Node, agent: str, file: str) -> str:
    node = tx.find(f"{agent}/FinInstnId")
    if node is None:
        raise DataError(f"missing {agent}/FinInstnId", file=file, line=tx.line)
    member = node.findtext("ClrSysMmbId/MmbId")
    if member:
        try:
            return bank_account.bank_code(member)
        except IdentifierError:
            raise DataError("bank member id is not a 1-3 digit code", file=file, line=node.line,
                            column=f"{agent}/FinInstnId/ClrSysMmbId/MmbId", value=member) from None
    bic = node.findtext("BICFI") or node.findtext("BIC")
    if bic:
        code = banks.code_for_bic(bic)
        if code is None:
            raise DataError("BIC is not a known Thai bank", file=file, line=node.line,
                            column=f"{agent}/FinInstnId/BICFI", value=bic)
        return code
    raise DataError(f"no bank code or BIC in {agent}", file=file, line=node.line)


def _account(tx: Node, acct: str, file: str) -> str:
    value = tx.findtext(f"{acct}/Id/Othr/Id") or tx.findtext(f"{acct}/Id/IBAN")
    if value is None:
        raise DataError(f"missing {acct}/Id/Othr/Id", file=file, line=tx.line)
    try:
        return bank_account.account_digits(value)
    except IdentifierError:
        raise DataError("not an account number (6-20 digits)", file=file, line=tx.line,
                        column=f"{acct}/Id/Othr/Id", value=value) from None


def read_transactions(path: str | Path) -> list[dict]:
    """Every credit transfer in one pacs.008 file as an AXF transactions row (dict)."""
    path = Path(path)
    file = str(path)
    root = parse_xml(path)
    messages = list(root.iter("FIToFICstmrCdtTrf"))
    if not messages:
        raise DataError("no FIToFICstmrCdtTrf element: not a pacs.008 message", file=file, line=root.line)
    rows = []
    for message in messages:
        created = message.findtext("GrpHdr/CreDtTm")
        for tx in message.children:
            if tx.tag != "CdtTrfTxInf":
                continue
            txn_id = tx.findtext("PmtId/TxId") or tx.findtext("PmtId/EndToEndId") or tx.findtext("PmtId/UETR")
            if txn_id is None or txn_id.upper() == "NOTPROVIDED":
                raise DataError("no PmtId/TxId, EndToEndId or UETR", file=file, line=tx.line)
            amount_node = tx.find("IntrBkSttlmAmt")
            if amount_node is None:
                raise DataError("missing IntrBkSttlmAmt", file=file, line=tx.line)
            currency = amount_node.attrs.get("Ccy", "")
            if currency != "THB":
                raise DataError("only THB amounts are accepted (no conversion)", file=file, line=amount_node.line,
                                column="IntrBkSttlmAmt/@Ccy", value=currency)
            try:
                amount = float(amount_node.text.strip())
            except ValueError:
                amount = float("nan")
            if not amount > 0 or amount == float("inf"):
                raise DataError("amount must be a number > 0", file=file, line=amount_node.line,
                                column="IntrBkSttlmAmt", value=amount_node.text.strip())
            when = tx.findtext("AccptncDtTm") or created or tx.findtext("IntrBkSttlmDt") or \
                message.findtext("GrpHdr/IntrBkSttlmDt")
            if when is None:
                raise DataError("no AccptncDtTm, GrpHdr/CreDtTm or IntrBkSttlmDt", file=file, line=tx.line)
            try:
                ts = parse_ts(when)
            except ValueError:
                raise DataError("not an ISO 8601 time", file=file, line=tx.line, column="AccptncDtTm",
                                value=when) from None
            kind = " ".join(filter(None, [tx.findtext("PmtTpInf/LclInstrm/Prtry"), tx.findtext("PmtTpInf/LclInstrm/Cd"),
                                          tx.findtext("PmtTpInf/SvcLvl/Prtry"), tx.findtext("PmtTpInf/SvcLvl/Cd")]))
            rows.append({
                "txn_id": txn_id, "ts": ts, "channel": "promptpay" if _PROMPTPAY_RE.search(kind) else "transfer",
                "src_bank": _bank(tx, "DbtrAgt", file), "src_account": _account(tx, "DbtrAcct", file),
                "dst_bank": _bank(tx, "CdtrAgt", file), "dst_account": _account(tx, "CdtrAcct", file),
                "amount": f"{amount:.2f}", "src_device": None,
            })
    return rows


def import_pacs008(files: list[str | Path], out_dir: str | Path) -> dict[str, int]:
    """Convert pacs.008 files into `<out_dir>/transactions.csv` (file order kept)."""
    out = Path(out_dir)
    if not files:
        raise DataError("no pacs.008 files given")
    count = 0
    with CsvTableWriter(out / "transactions.csv", COLUMNS["transactions"]) as writer:
        for name in files:
            path = Path(name)
            if not path.is_file():
                raise DataError("no such file", file=str(path))
            for row in read_transactions(path):
                writer.write(row)
                count += 1
    return {"transactions": count, "files": len(files)}
