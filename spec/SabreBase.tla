------------------------------ MODULE SabreBase ------------------------------
(***************************************************************************)
(* The shared state of Sabre's engine at the algorithm level: fixed-size   *)
(* blocks, a keyspace whose values are short sequences of blocks, the      *)
(* allocator's free list, the lazy-free queue and the copy-on-write dump.  *)
(* The writer (Writer.tla), the dumper (CowDump.tla) and the freer         *)
(* (LazyFree.tla) are interleaved processes over this state; Sabre.tla     *)
(* composes them and states the properties.                                *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Keys,               \* the key names
    Vals,               \* the chunk values a block can hold (Naturals > 0)
    BlockCount,         \* blocks in the arena
    MaxLen,             \* most blocks in one value
    CopyBound,          \* most copies the dump may hold at once
    LazyFreeThreshold,  \* values of at most this many blocks are freed at once by Unlink
    Bug                 \* "none", or the name of one seeded bug (see docs/spec.md)

ASSUME BlockCount \in Nat \ {0} /\ MaxLen \in Nat \ {0} /\ CopyBound \in Nat
ASSUME LazyFreeThreshold \in Nat /\ Vals \subseteq Nat \ {0}

Blocks == 1..BlockCount
NoVal == 0   \* content of a block on the free list: the abstraction scrubs freed blocks

VARIABLES
    ks,        \* [Keys -> Seq(Blocks)]: the blocks of each key's value, <<>> = no such key
    mem,       \* [Blocks -> Vals \cup {NoVal}]: what each block holds
    freeList,  \* Seq(Blocks): the allocator's LIFO free list, head first
    queue,     \* SUBSET Blocks: blocks queued for lazy free
    dumping,   \* BOOLEAN: a dump is running
    snap,      \* ghost [Keys -> Seq(Vals)]: the keyspace's contents at DumpBegin
    view,      \* [Keys -> Seq(Blocks)]: blocks the dump will read for each key still to write
    copies,    \* SUBSET Blocks: blocks the writer allocated as copies for the dump
    out,       \* Seq(<<Keys, Seq(Vals)>>): what the dump has written, in order
    oomFalse   \* ghost BOOLEAN: an allocation failed although blocks were queued for free

vars == <<ks, mem, freeList, queue, dumping, snap, view, copies, out, oomFalse>>

Range(s) == {s[i] : i \in DOMAIN s}
Reverse(s) == [i \in 1..Len(s) |-> s[Len(s) - i + 1]]
SortedSeq(S) == [i \in 1..Cardinality(S) |-> CHOOSE x \in S : Cardinality({y \in S : y < x}) = i - 1]
Content(s) == [i \in DOMAIN s |-> mem[s[i]]]

FreeSet      == Range(freeList)
LiveBlocks   == UNION {Range(ks[k]) : k \in Keys}
ViewBlocks   == UNION {Range(view[k]) : k \in Keys}
DumpHeld     == ViewBlocks \ LiveBlocks      \* copies, and originals the writer let go of
Todo         == {k \in Keys : view[k] # <<>>}
Dirty        == {k \in Todo : Range(view[k]) \cap DumpHeld # {}}

(* Pushing blocks on the free list, first element of s first; freed blocks are scrubbed. *)
PushFree(s) ==
    /\ freeList' = Reverse(s) \o freeList
    /\ mem' = [b \in Blocks |-> IF b \in Range(s) THEN NoVal ELSE mem[b]]

(* The blocks of k's old value that the dump still reads stay with the dump; the rest go. *)
HeldByDump(k, s) == IF Bug = "FreeNeeded" THEN {} ELSE Range(s) \cap Range(view[k])
NotHeld(k, s) == SelectSeq(s, LAMBDA b : b \notin HeldByDump(k, s))

(* An allocation waits while blocks are queued for lazy free (the writer helps the freer): *)
(* it fails only when nothing is free and nothing is queued.                                *)
CanAlloc(n) == Len(freeList) >= n
=============================================================================
