------------------------------ MODULE ThreadCow -----------------------------
(***************************************************************************)
(* The thread-level protocol between the writer thread and the dump worker *)
(* over the same blocks: each snapshot block has an atomic state word      *)
(*   needed -> reading -> passed        (the dumper claimed it first)      *)
(*   needed -> copying -> copied -> passed   (the writer claimed it first) *)
(* and a copy link. Every step below is one Atomics operation or one       *)
(* block copy; TLC checks that the interleavings refine CowBlock.tla.      *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS BlockCount, Vals, Spares, Bug

ASSUME Spares \cap (1..BlockCount) = {} /\ 0 \notin Spares

ValueBlocks == 1..BlockCount
AllBlocks == {0} \cup ValueBlocks \cup Spares   \* 0 is the null block: it reads as 0

VARIABLES
    mem,        \* [AllBlocks -> Vals \cup {0}]: block contents
    state,      \* [ValueBlocks -> state word]: the block's dump state
    link,       \* [ValueBlocks -> Spares \cup {0}]: the copy the dump reads instead
    free,       \* SUBSET Spares: blocks the writer can take for copies
    wpc, wb, wv, wc,   \* writer: program counter, block, new value, copy block
    dpc, di,    \* dumper: program counter, next block index
    got,        \* Seq(Vals): blocks the dump has written
    snapshot    \* ghost: the value's blocks at dump start

vars == <<mem, state, link, free, wpc, wb, wv, wc, dpc, di, got, snapshot>>

Init ==
    /\ mem \in [AllBlocks -> Vals \cup {0}]
    /\ \A b \in ValueBlocks : mem[b] # 0
    /\ \A s \in Spares \cup {0} : mem[s] = 0
    /\ snapshot = [b \in ValueBlocks |-> mem[b]]
    /\ state = [b \in ValueBlocks |-> "needed"]
    /\ link = [b \in ValueBlocks |-> 0]
    /\ free = Spares
    /\ wpc = "idle" /\ wb = 1 /\ wv = 0 /\ wc = 0
    /\ dpc = "claim" /\ di = 1
    /\ got = <<>>

-----------------------------------------------------------------------------
(* The writer: one partial write at a time. *)

WriteBegin(b, v) ==
    /\ wpc = "idle" /\ mem[b] # v
    /\ wb' = b /\ wv' = v
    /\ wpc' = IF Bug = "NoClaim" THEN "write" ELSE "claim"
    /\ UNCHANGED <<mem, state, link, free, wc, dpc, di, got, snapshot>>

(* compareExchange(state[b], needed, copying); a block being read is waited for. *)
WriteClaim ==
    /\ wpc = "claim"
    /\ state[wb] # "reading"
    /\ IF state[wb] = "needed"
       THEN state' = [state EXCEPT ![wb] = "copying"] /\ wpc' = "copy"
       ELSE UNCHANGED state /\ wpc' = "write"
    /\ UNCHANGED <<mem, link, free, wb, wv, wc, dpc, di, got, snapshot>>

WriteCopy ==
    /\ wpc = "copy"
    /\ \E c \in free :
        /\ mem' = [mem EXCEPT ![c] = mem[wb]]
        /\ free' = free \ {c}
        /\ wc' = c
    /\ wpc' = IF Bug = "MarkBeforeLink" THEN "mark" ELSE "link"
    /\ UNCHANGED <<state, link, wb, wv, dpc, di, got, snapshot>>

WriteLink ==
    /\ wpc = "link"
    /\ link' = [link EXCEPT ![wb] = wc]
    /\ wpc' = IF Bug = "MarkBeforeLink" THEN "write" ELSE "mark"
    /\ UNCHANGED <<mem, state, free, wb, wv, wc, dpc, di, got, snapshot>>

WriteMark ==
    /\ wpc = "mark"
    /\ state' = [state EXCEPT ![wb] = "copied"]
    /\ wpc' = IF Bug = "MarkBeforeLink" THEN "link" ELSE "write"
    /\ UNCHANGED <<mem, link, free, wb, wv, wc, dpc, di, got, snapshot>>

WriteBytes ==
    /\ wpc = "write"
    /\ mem' = [mem EXCEPT ![wb] = wv]
    /\ wpc' = "idle"
    /\ UNCHANGED <<state, link, free, wb, wv, wc, dpc, di, got, snapshot>>

-----------------------------------------------------------------------------
(* The dumper: the blocks of the value in order. *)

(* compareExchange(state[i], needed, reading); a block being copied is waited for. *)
DumpClaim ==
    /\ dpc = "claim" /\ di <= BlockCount
    /\ state[di] # "copying"
    /\ IF state[di] = "needed"
       THEN state' = [state EXCEPT ![di] = "reading"] /\ dpc' = "read"
       ELSE UNCHANGED state /\ dpc' = "readCopy"
    /\ UNCHANGED <<mem, link, free, wpc, wb, wv, wc, di, got, snapshot>>

DumpRead ==
    /\ dpc = "read"
    /\ got' = Append(got, mem[di])
    /\ state' = [state EXCEPT ![di] = "passed"]
    /\ dpc' = "claim" /\ di' = di + 1
    /\ UNCHANGED <<mem, link, free, wpc, wb, wv, wc, snapshot>>

(* Read the copy, then give it back: copies live only until the dump has written them. *)
DumpReadCopy ==
    /\ dpc = "readCopy"
    /\ got' = Append(got, mem[link[di]])
    /\ free' = IF link[di] \in Spares THEN free \cup {link[di]} ELSE free
    /\ state' = [state EXCEPT ![di] = "passed"]
    /\ dpc' = "claim" /\ di' = di + 1
    /\ UNCHANGED <<mem, link, wpc, wb, wv, wc, snapshot>>

WriterStep == \/ \E b \in ValueBlocks, v \in Vals : WriteBegin(b, v)
              \/ WriteClaim \/ WriteCopy \/ WriteLink \/ WriteMark \/ WriteBytes
WriterInProgress == WriteClaim \/ WriteCopy \/ WriteLink \/ WriteMark \/ WriteBytes
DumperStep == DumpClaim \/ DumpRead \/ DumpReadCopy

Next == WriterStep \/ DumperStep

(* A writer in the middle of a write finishes it; the dumper keeps going. *)
Spec == Init /\ [][Next]_vars /\ WF_vars(WriterInProgress) /\ WF_vars(DumperStep)

(* A writer that may stall between its claim and its write. *)
SpecStallingWriter == Init /\ [][Next]_vars /\ WF_vars(DumperStep)

-----------------------------------------------------------------------------
(* Properties *)

(* The dump writes each block as it was at dump start. *)
ReadsSnapshot == \A i \in DOMAIN got : got[i] = snapshot[i]

(* No block is changed while the dumper reads it. *)
NoTornRead == dpc = "read" => mem[di] = snapshot[di]

(* Once the dump has passed every block, every copy is back. *)
CopiesReturned == di > BlockCount => free = Spares

DumpFinishes == <>(di > BlockCount)

Abstract == INSTANCE CowBlock WITH live <- [b \in ValueBlocks |-> mem[b]]
RefinesCowBlock == Abstract!Spec
=============================================================================
