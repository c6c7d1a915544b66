;; Go. Captures as in python.scm; @parent names a method's receiver type.
;; section: definitions
(function_declaration name: (identifier) @name body: (_) @body) @definition.function
(method_declaration receiver: (parameter_list (parameter_declaration type: [(type_identifier) @parent (pointer_type (type_identifier) @parent) (generic_type type: (type_identifier) @parent) (pointer_type (generic_type type: (type_identifier) @parent))])) name: (field_identifier) @name body: (_) @body) @definition.method
(type_declaration (type_spec name: (type_identifier) @name type: (struct_type (field_declaration_list) @body)) @definition.struct)
(type_declaration (type_spec name: (type_identifier) @name type: (interface_type) @body) @definition.interface)
(type_declaration (type_spec name: (type_identifier) @name type: [(type_identifier) (qualified_type) (function_type) (map_type) (slice_type) (pointer_type) (channel_type) (array_type) (generic_type)]) @definition.type)
(type_declaration (type_alias name: (type_identifier) @name) @definition.type)
(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))
(source_file (var_declaration (var_spec name: (identifier) @name) @definition.variable))
(source_file (var_declaration (var_spec_list (var_spec name: (identifier) @name) @definition.variable)))
(field_declaration_list (field_declaration name: (field_identifier) @name) @definition.field)
(method_elem name: (field_identifier) @name) @definition.method
;; section: imports
(import_spec !name path: (interpreted_string_literal) @import.source)
(import_spec name: (_) @import.alias path: (interpreted_string_literal) @import.source)
;; section: uses
(call_expression function: (identifier) @use.call)
(call_expression function: (selector_expression field: (field_identifier) @use.call))
(selector_expression operand: (identifier) @use.object field: (field_identifier) @use.attribute)
(qualified_type package: (package_identifier) @use.object name: (type_identifier) @use.type)
(type_identifier) @use.type
(identifier) @use.name
