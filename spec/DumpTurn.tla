------------------------------ MODULE DumpTurn ------------------------------
(***************************************************************************)
(* The turn the writer (command thread) and the dump worker take while a   *)
(* worker dump runs (src/engine/snapshot/dump-turn.ts, dump-worker.ts).    *)
(* One header word says whose turn it is; a second says whether the writer *)
(* waits for the turn, or has handed it over until the dump makes room     *)
(* under the copy bound. Each action is one Atomics step of the engine.    *)
(* The dump's content rules are Sabre.tla's; here only: the two never run  *)
(* at once, the copy bound holds, and nobody waits forever.                *)
(***************************************************************************)
EXTENDS Naturals

CONSTANTS
    Bound,  \* CopyBound: copies the dump may hold
    Keys,   \* keys the dump has to write
    Bug     \* "none", "NoCas" (the worker takes the turn without checking it is free),
            \* "HoldWhileWaiting" (the writer waits for room still holding the turn)

VARIABLES
    turn,     \* "free", "writer" or "walker"               (D.turn)
    waiting,  \* "none", "turn" or "room"                   (D.writerWaiting)
    wpc,      \* writer: "idle", "acquire", "run", "room"
    kpc,      \* dump worker: "wait" or "step"
    stepped,  \* the worker wrote a key in this turn (a step does at least one before it yields)
    copies,   \* copies the dump holds                      (D.copiesHeld)
    dirty,    \* keys still to write that the writer changed (each holds one copy here)
    left,     \* keys still to write
    active    \* the dump runs                              (D.active)

vars == <<turn, waiting, wpc, kpc, stepped, copies, dirty, left, active>>

Init ==
    /\ turn = "free" /\ waiting = "none"
    /\ wpc = "idle" /\ kpc = "wait" /\ stepped = FALSE
    /\ copies = 0 /\ dirty = 0 /\ left = Keys /\ active = TRUE

-----------------------------------------------------------------------------
(* The writer: WriterTurn.enter / acquire / leave, and waitFor at the bound. *)

WriterEnter ==
    /\ wpc = "idle"
    /\ waiting' = "turn" /\ wpc' = "acquire"
    /\ UNCHANGED <<turn, kpc, stepped, copies, dirty, left, active>>

(* compareExchange(turn, free, writer) *)
WriterAcquire ==
    /\ wpc = "acquire" /\ turn = "free"
    /\ turn' = "writer" /\ waiting' = "none" /\ wpc' = "run"
    /\ UNCHANGED <<kpc, stepped, copies, dirty, left, active>>

(* A write to a key the dump has still to write and has not copied: one copy, below the bound. *)
WriterCopy ==
    /\ wpc = "run" /\ active /\ dirty < left /\ copies < Bound
    /\ copies' = copies + 1 /\ dirty' = dirty + 1
    /\ UNCHANGED <<turn, waiting, wpc, kpc, stepped, left, active>>

(* The same write at the bound: hand the turn over until the dump has made room. *)
WriterWaitForRoom ==
    /\ wpc = "run" /\ active /\ dirty < left /\ copies = Bound
    /\ waiting' = "room" /\ wpc' = "room"
    /\ turn' = IF Bug = "HoldWhileWaiting" THEN turn ELSE "free"
    /\ UNCHANGED <<kpc, stepped, copies, dirty, left, active>>

(* Down to half the bound (or the dump is over): take the turn back. *)
WriterRoomMade ==
    /\ wpc = "room" /\ (copies <= Bound \div 2 \/ ~active)
    /\ IF turn = "writer"      \* only with HoldWhileWaiting: it never let go
       THEN waiting' = "none" /\ wpc' = "run"
       ELSE waiting' = "turn" /\ wpc' = "acquire"
    /\ UNCHANGED <<turn, kpc, stepped, copies, dirty, left, active>>

(* The run of synchronous work ends (a microtask gives the turn back). *)
WriterLeave ==
    /\ wpc = "run"
    /\ turn' = "free" /\ wpc' = "idle"
    /\ UNCHANGED <<waiting, kpc, stepped, copies, dirty, left, active>>

-----------------------------------------------------------------------------
(* The dump worker: walkerTryTurn, a DumpStep key by key, walkerLeaveTurn. *)

WalkerTryTurn ==
    /\ kpc = "wait" /\ active
    /\ waiting # "turn"
    /\ (turn = "free" \/ Bug = "NoCas")
    /\ turn' = "walker" /\ kpc' = "step" /\ stepped' = FALSE
    /\ UNCHANGED <<waiting, wpc, copies, dirty, left, active>>

(* One key, dirty ones first; the last key ends the dump. After the first key of a turn, none while *)
(* the writer waits for the turn (DumpWalker.dumpStep's yieldWhen).                                 *)
WalkerKey ==
    /\ kpc = "step" /\ active /\ (~stepped \/ waiting # "turn")
    /\ IF dirty > 0 THEN dirty' = dirty - 1 /\ copies' = copies - 1 ELSE UNCHANGED <<dirty, copies>>
    /\ left' = left - 1
    /\ active' = (left - 1 > 0)
    /\ stepped' = TRUE
    /\ UNCHANGED <<turn, waiting, wpc, kpc>>

(* The step ends: its budget is spent (any time after a key), the writer waits, or the dump is over. *)
WalkerLeave ==
    /\ kpc = "step" /\ (stepped \/ ~active)
    /\ turn' = IF turn = "walker" THEN "free" ELSE turn
    /\ kpc' = "wait"
    /\ UNCHANGED <<waiting, wpc, stepped, copies, dirty, left, active>>

Writer == WriterEnter \/ WriterAcquire \/ WriterCopy \/ WriterWaitForRoom \/ WriterRoomMade \/ WriterLeave
Walker == WalkerTryTurn \/ WalkerKey \/ WalkerLeave
Next == Writer \/ Walker

(* The writer finishes what it started (it need not start anything); the worker keeps going. *)
WriterFairness == WF_vars(WriterAcquire) /\ WF_vars(WriterRoomMade) /\ WF_vars(WriterLeave)
(* A writer that never pauses leaves the worker only moments: the OS must schedule it in one (strong fairness). *)
Spec == Init /\ [][Next]_vars /\ WriterFairness /\ WF_vars(WalkerKey \/ WalkerLeave) /\ SF_vars(WalkerTryTurn)
(* Only weak fairness for the worker's try: it may miss every moment the turn is free. *)
SpecWeakWorker == Init /\ [][Next]_vars /\ WriterFairness /\ WF_vars(Walker)

-----------------------------------------------------------------------------
(* Properties *)

TypeOK ==
    /\ turn \in {"free", "writer", "walker"} /\ waiting \in {"none", "turn", "room"}
    /\ wpc \in {"idle", "acquire", "run", "room"} /\ kpc \in {"wait", "step"} /\ stepped \in BOOLEAN
    /\ copies \in 0..Bound /\ dirty \in 0..Keys /\ left \in 0..Keys /\ dirty <= left

(* The writer runs commands and the worker reads the snapshot never at once. *)
TurnsExclusive == ~(wpc = "run" /\ kpc = "step" /\ active)

CopiesWithinBound == copies <= Bound

(* A writer that handed the turn over at the bound gets it back. *)
RoomWaitEnds == (wpc = "room") ~> (wpc = "run")

(* A writer waiting for the turn gets it: the worker stops after the key it is on. *)
WriterGetsTurn == (wpc = "acquire") ~> (wpc = "run")

DumpFinishes == <>(~active)
=============================================================================
