-------------------------------- MODULE Sabre -------------------------------
(***************************************************************************)
(* Sabre's engine: the writer, the dumper and the freer interleaved over   *)
(* shared blocks, and the properties TLC checks. docs/spec.md explains     *)
(* every variable, action and property in plain words.                     *)
(***************************************************************************)
EXTENDS Writer, CowDump, LazyFree

Init ==
    /\ ks = [k \in Keys |-> <<>>]
    /\ mem = [b \in Blocks |-> NoVal]
    /\ freeList = [i \in 1..BlockCount |-> i]
    /\ queue = {}
    /\ dumping = FALSE
    /\ snap = [k \in Keys |-> <<>>]
    /\ view = [k \in Keys |-> <<>>]
    /\ copies = {}
    /\ out = <<>>
    /\ oomFalse = FALSE

WriterNext ==
    \/ \E k \in Keys, v \in Vals : Set(k, v) \/ AppendBlock(k, v)
    \/ \E k \in Keys, i \in 1..MaxLen, v \in Vals : WriteBlock(k, i, v)
    \/ \E k \in Keys : Del(k) \/ Unlink(k)
    \/ FlushAsync
    \/ AllocFail

DumperNext == DumpBegin \/ DumpEnd \/ \E k \in Keys : DumpStep(k)

FreerNext == \E b \in Blocks : FreeStep(b)

Next == WriterNext \/ DumperNext \/ FreerNext

(* The background actions are fair; the writer is not (it may stop at any time). *)
DumpFairness == WF_vars(\E k \in Keys : DumpStep(k)) /\ WF_vars(DumpEnd)
FreeFairness == \A b \in Blocks : WF_vars(FreeStep(b))

Spec             == Init /\ [][Next]_vars /\ DumpFairness /\ FreeFairness
SpecNoDumpFairness == Init /\ [][Next]_vars /\ FreeFairness
SpecNoFreeFairness == Init /\ [][Next]_vars /\ DumpFairness

-----------------------------------------------------------------------------
(* Safety *)

TypeOK ==
    /\ ks \in [Keys -> Seq(Blocks)]
    /\ mem \in [Blocks -> Vals \cup {NoVal}]
    /\ freeList \in Seq(Blocks)
    /\ queue \subseteq Blocks
    /\ dumping \in BOOLEAN
    /\ view \in [Keys -> Seq(Blocks)]
    /\ copies \subseteq Blocks
    /\ oomFalse \in BOOLEAN

SnapKeys == {k \in Keys : snap[k] # <<>>}
OutKeys  == {out[i][1] : i \in DOMAIN out}

(* What the dump has written is exactly the keyspace at DumpBegin: each key once, with its *)
(* value then, nothing created later; a finished dump holds every key that existed then.   *)
DumpMatchesStart ==
    /\ \A i \in DOMAIN out : out[i][1] \in SnapKeys /\ out[i][2] = snap[out[i][1]]
    /\ \A i, j \in DOMAIN out : i # j => out[i][1] # out[j][1]
    /\ ~dumping => OutKeys = SnapKeys

(* No block that the keyspace or the dump still reads is on the free list. *)
NoUseAfterFree == (LiveBlocks \cup ViewBlocks) \cap FreeSet = {}

(* The free list holds each block at most once. *)
NoDoubleFree == \A i, j \in DOMAIN freeList : i # j => freeList[i] # freeList[j]

(* Every block is exactly one of: free, live (in one key's value, once), queued for lazy *)
(* free, or held by the dump.                                                            *)
NoLeak ==
    /\ FreeSet \cup LiveBlocks \cup queue \cup DumpHeld = Blocks
    /\ FreeSet \cap LiveBlocks = {}
    /\ FreeSet \cap queue = {}
    /\ FreeSet \cap DumpHeld = {}
    /\ LiveBlocks \cap queue = {}
    /\ queue \cap DumpHeld = {}
    /\ \A k1, k2 \in Keys : k1 # k2 => Range(ks[k1]) \cap Range(ks[k2]) = {}
    /\ \A k \in Keys : Len(ks[k]) = Cardinality(Range(ks[k]))

(* The dump holds at most CopyBound copies, and only while it still reads them. *)
CopiesWithinBound == Cardinality(copies) <= CopyBound /\ copies \subseteq DumpHeld

(* An allocation fails only when no block is free and none is queued for lazy free. *)
NoFalseOOM == ~oomFalse

(* A step copies at most as many blocks as it changes: never a whole value for one block. *)
CopyOnlyWhatChanges ==
    [][Cardinality(copies' \ copies)
         <= Cardinality({b \in Blocks \ copies' : mem'[b] # mem[b]})]_vars

(* A step that writes a key while dirty keys are waiting writes a dirty key. *)
DirtyFirst ==
    [][Len(out') = Len(out) + 1 /\ Dirty # {} => out'[Len(out')][1] \in Dirty]_vars

(* Liveness *)
DumpTerminates == dumping ~> ~dumping
LazyFreeDrains == \A b \in Blocks : b \in queue ~> b \in FreeSet
=============================================================================
