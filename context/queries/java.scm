;; Java. Captures as in python.scm.
;; section: definitions
(class_declaration name: (identifier) @name body: (_) @body) @definition.class
(interface_declaration name: (identifier) @name body: (_) @body) @definition.interface
(enum_declaration name: (identifier) @name body: (_) @body) @definition.enum
(record_declaration name: (identifier) @name body: (_) @body) @definition.class
(annotation_type_declaration name: (identifier) @name body: (_) @body) @definition.interface
(method_declaration name: (identifier) @name body: (_) @body) @definition.method
(method_declaration name: (identifier) @name !body) @definition.method
(constructor_declaration name: (identifier) @name body: (_) @body) @definition.method
(field_declaration declarator: (variable_declarator name: (identifier) @name)) @definition.field
(constant_declaration declarator: (variable_declarator name: (identifier) @name)) @definition.constant
;; section: imports
(import_declaration (scoped_identifier) @import.source (asterisk) @import.wildcard)
(import_declaration (scoped_identifier) @import.source)
(import_declaration (identifier) @import.source)
(package_declaration (_) @import.package)
;; section: uses
(method_invocation name: (identifier) @use.call)
(method_invocation object: (identifier) @use.object name: (identifier) @use.attribute)
(object_creation_expression type: (type_identifier) @use.call)
(field_access object: (identifier) @use.object field: (identifier) @use.attribute)
(type_identifier) @use.type
(identifier) @use.name
