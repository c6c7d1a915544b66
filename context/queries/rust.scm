;; Rust. Captures as in python.scm; an impl block is a definition named after its type.
;; section: definitions
(function_item name: (identifier) @name body: (_) @body) @definition.function
(function_signature_item name: (identifier) @name) @definition.function
(struct_item name: (type_identifier) @name body: (_) @body) @definition.struct
(struct_item name: (type_identifier) @name !body) @definition.struct
(enum_item name: (type_identifier) @name body: (_) @body) @definition.enum
(union_item name: (type_identifier) @name body: (_) @body) @definition.struct
(trait_item name: (type_identifier) @name body: (_) @body) @definition.trait
(impl_item type: [(type_identifier) @name (generic_type type: (type_identifier) @name) (scoped_type_identifier name: (type_identifier) @name)] body: (_) @body) @definition.impl
(type_item name: (type_identifier) @name) @definition.type
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.constant
(mod_item name: (identifier) @name body: (_) @body) @definition.module
(macro_definition name: (identifier) @name) @definition.macro
(field_declaration_list (field_declaration name: (field_identifier) @name) @definition.field)
;; section: imports
(use_declaration argument: (_) @import.tree)
(mod_item name: (identifier) @import.module !body)
(extern_crate_declaration name: (identifier) @import.module)
;; section: uses
(call_expression function: (identifier) @use.call)
(call_expression function: (field_expression field: (field_identifier) @use.call))
(call_expression function: (scoped_identifier path: (_) @use.object name: (identifier) @use.call))
(field_expression value: (identifier) @use.object field: (field_identifier) @use.attribute)
(macro_invocation macro: (identifier) @use.call)
(type_identifier) @use.type
(identifier) @use.name
