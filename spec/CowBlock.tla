------------------------------ MODULE CowBlock ------------------------------
(***************************************************************************)
(* Sabre's copy-on-write rule for one value at block granularity: the      *)
(* writer changes blocks at will, and the dump writes the value block by   *)
(* block, each block as it was at DumpBegin. This is what WriteBlock and   *)
(* DumpStep of Sabre.tla do to one key once DumpStep is spread over the    *)
(* blocks of a big value; ThreadCow.tla must refine it.                    *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS BlockCount, Vals

ValueBlocks == 1..BlockCount

VARIABLES live, got, snapshot

Init ==
    /\ live \in [ValueBlocks -> Vals]
    /\ snapshot = live
    /\ got = <<>>

Write(b, v) == live' = [live EXCEPT ![b] = v] /\ UNCHANGED <<got, snapshot>>

(* The dump writes the next block, as it was when the dump began. *)
Read == Len(got) < BlockCount /\ got' = Append(got, snapshot[Len(got) + 1]) /\ UNCHANGED <<live, snapshot>>

Next == (\E b \in ValueBlocks, v \in Vals : Write(b, v)) \/ Read

Spec == Init /\ [][Next]_<<live, got, snapshot>>
=============================================================================
